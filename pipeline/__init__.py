"""Above the scenes: render one scene, the render cache, the joined film, slides, deck, handout.

``render.py`` (the command line) builds one ``scenes.context.RenderContext`` and calls in here;
the live server and batch tasks do the same. Scenes never import this package.
"""
