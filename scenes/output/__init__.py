"""What render.py makes from rendered scenes: the cache, the film, the deck, the handout."""
