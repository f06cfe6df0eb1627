"""The conductor: syllable↔note alignment (`align`) and the arrangement around the sung line (`arrange`)."""

from musegen.conductor.align import align
from musegen.conductor.arrange import arrange
from musegen.conductor.metrics import alignment_metrics

__all__ = ["align", "alignment_metrics", "arrange"]
