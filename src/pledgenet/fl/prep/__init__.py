"""Data preparation that each party runs on its own rows: statistics, scaling, imputation.

Nothing here sends a message: every transform is fitted by a party on its own training rows and applied
to its own test (or later) rows, so no value leaves the party. The fitted transforms are plain dicts
(``to_dict`` / ``from_dict``) saved in the party's model files next to the model they feed.
"""

from pledgenet.fl.prep.selection import FeatureSelector
from pledgenet.fl.prep.statistics import column_summary, shareable_summary
from pledgenet.fl.prep.transforms import Imputer, Scaler

__all__ = ["FeatureSelector", "Imputer", "Scaler", "column_summary", "shareable_summary"]
