"""The live page: a student types a prompt and the beat's key frames answer in about a second.

    render.py live [--host 127.0.0.1] [--port 8000] [--open]

``app.create_app`` (Starlette) serves the page and the API; ``service.LiveService`` caches and
shares the work; ``workers.WorkerPool`` keeps the model, fonts and Manim loaded in a bounded set
of processes; ``stills.key_frames`` draws each slide's last frame with the scene's own code.
"""
