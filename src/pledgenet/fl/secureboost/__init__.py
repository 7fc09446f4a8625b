"""SecureBoost: vertical gradient boosting with Paillier-encrypted gradients (docs/protocols.md).

``training`` (``fit_guest``, ``fit_host``, the model classes) -> ``histograms`` (the host's histogram
workers) -> ``crypto`` (packed gradient codec, Horner folds); ``tree`` (``BoostParams``, tree growth on
plaintext and host histograms); ``predict`` (batch and one-by-one scoring).
"""
