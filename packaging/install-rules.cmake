# Filled in by its module (see docs/ARCHITECTURE.md).
