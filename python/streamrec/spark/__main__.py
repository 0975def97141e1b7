"""``python -m streamrec.spark train|score|eda ...``: the ``streamrec spark`` command as a file
``spark-submit`` can run on a cluster (see the README).

Example::

    spark-submit --master yarn "$(python -c 'import streamrec.spark.__main__ as m; print(m.__file__)')" \\
        train --ratings hdfs:///ratings/ --out model.svd
"""

from __future__ import annotations

import sys

from streamrec.cli import main

if __name__ == "__main__":
    sys.exit(main(["spark", *sys.argv[1:]]))
