"""A member's processes: the orderer process today (``node.orderer``); the node process joins it."""
