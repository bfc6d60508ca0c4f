"""The producer's `sealq` commands, one module per concept; registered in `producer.cli`."""
