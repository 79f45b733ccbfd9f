"""Face detection, tracking, alignment and the CNN-LSTM expression model (torch, no Qt)."""
