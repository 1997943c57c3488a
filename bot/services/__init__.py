"""The application's services: concerns, directory, training and policies, records, wording, keys."""
