"""Builds the chat parser's optional C steps in place: ``python setup.py build_ext --inplace``.

`make run` and `make test` do it. Without a C compiler the build is skipped with a warning
(``optional=True``) and ``chats.whatsapp.parser`` runs its pure-Python steps, which give the same
results more slowly. The project is not installed as a package: no modules are listed.
"""

from setuptools import Extension, setup  # type: ignore[import-untyped]

setup(
    packages=[],
    py_modules=[],
    ext_modules=[
        Extension(
            "chats.whatsapp._speedups",
            ["chats/whatsapp/_speedups.c"],
            optional=True,
        )
    ],
)
