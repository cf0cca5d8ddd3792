"""No models: this app holds services and commands only."""
