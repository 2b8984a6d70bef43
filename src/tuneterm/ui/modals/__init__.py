"""The dashboard's modal dialogs."""
