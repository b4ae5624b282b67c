"""The `sealbox` command line: the SDK for people and scripts. Nothing imports this package."""
