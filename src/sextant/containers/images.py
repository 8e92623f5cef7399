"""Which container an image URI names: a built-in algorithm or a script-mode framework.

Any region's ECR URI that `sagemaker.image_uris.retrieve` returns works
(`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`), and so do the short names.
"""

from __future__ import annotations

from dataclasses import dataclass

ALGORITHMS = {  # repository → built-in algorithm
    "sagemaker-xgboost": "xgboost", "xgboost": "xgboost", "linear-learner": "linear-learner",
    "kmeans": "kmeans", "pca": "pca",
}
FRAMEWORKS = {  # repository → script-mode framework
    "sagemaker-scikit-learn": "sklearn", "sagemaker-xgboost": "xgboost", "pytorch-training": "pytorch",
    "pytorch-inference": "pytorch", "sklearn": "sklearn", "pytorch": "pytorch",
}


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str
    algorithm: str | None  # built-in algorithm run when no sagemaker_program is given
    framework: str | None  # framework whose script mode runs a user's sagemaker_program

    def environment(self) -> dict[str, str]:
        """What the container entry points read to know what they are."""
        return {"SEXTANT_ALGORITHM": self.algorithm or "", "SEXTANT_FRAMEWORK": self.framework or ""}


def resolve(uri: str) -> Image | None:
    """The image an ECR URI or short name names; None when Sextant has no such container."""
    path = uri.split("/", 1)[1] if "/" in uri else uri
    repository, _, tag = path.partition(":")
    repository = repository.split("@", 1)[0]
    algorithm, framework = ALGORITHMS.get(repository), FRAMEWORKS.get(repository)
    if algorithm is None and framework is None:
        return None
    return Image(repository, tag or "latest", algorithm, framework)


def known() -> list[str]:
    return sorted(set(ALGORITHMS) | set(FRAMEWORKS))
