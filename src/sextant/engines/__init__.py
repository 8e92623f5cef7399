"""The ML itself, AWS-agnostic: plain Python estimators that fit, predict and transform."""
