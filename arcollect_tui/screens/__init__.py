"""The app's screens, one per module.  Screens call services; they never run SQL themselves."""
