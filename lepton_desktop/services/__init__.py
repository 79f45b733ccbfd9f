"""Use cases that combine the video, vision and store layers. No Qt here."""
