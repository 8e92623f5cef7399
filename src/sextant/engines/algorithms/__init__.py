"""Built-in training algorithms: linear learner, web-scale k-means and PCA.

Each is a scikit-learn style estimator (`fit`, `predict`/`transform`, `get_params`) that takes
dense numpy arrays or scipy.sparse CSR matrices and saves itself as JSON plus a `.npz` archive.
"""

from sextant.engines.algorithms.kmeans import KMeans
from sextant.engines.algorithms.linear_learner import LinearLearner
from sextant.engines.algorithms.pca import PCA

__all__ = ["KMeans", "LinearLearner", "PCA"]
