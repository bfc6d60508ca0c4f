"""`python -m producer` runs the sealq command line."""

from producer.cli import main

main()
