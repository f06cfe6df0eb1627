"""musegen's command line (installed as the package `musegen.cli`, console script `musegen`)."""
