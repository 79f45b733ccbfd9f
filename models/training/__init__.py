"""Training the shipped expression CNN (not part of the installed program; see ``models/train_expression.py``)."""
