"""``python -m openai_batch.cli``: the same as the ``openai-batch`` command."""

import sys

from . import main

sys.exit(main())
