"""Secure aggregation: the server learns the sum of the clients' vectors, and who took part, nothing else.

Bonawitz et al. (CCS 2017) with the SecAgg+ sparse graph (Bell et al., CCS 2020): ``params`` (the round's
public parameters), ``client`` / ``server`` (the state machines), ``protocol`` (their loops over a
channel), ``ring`` (fixed-point encoding with declared bounds), ``graph`` (who masks with whom).
"""

from pledgenet.crypto.secagg.client import SecAggClient
from pledgenet.crypto.secagg.params import SecAggParams
from pledgenet.crypto.secagg.protocol import SecureSum, contribute, secure_sum
from pledgenet.crypto.secagg.ring import RingEncoding, clip_l2, clip_values
from pledgenet.crypto.secagg.server import SecAggServer

__all__ = [
    "RingEncoding",
    "SecAggClient",
    "SecAggParams",
    "SecAggServer",
    "SecureSum",
    "clip_l2",
    "clip_values",
    "contribute",
    "secure_sum",
]
