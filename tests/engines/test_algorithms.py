"""Quality and behaviour of the built-in algorithm engines on real data.

Linear learner on UCI Adult (binary), California housing (regression) and scikit-learn's digits
(multiclass); k-means on digits; PCA on wine and digits against scikit-learn's PCA.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits, load_wine
from sklearn.decomposition import PCA as ReferencePCA
from sklearn.metrics import adjusted_rand_score, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

from sextant.engines.algorithms import PCA, KMeans, LinearLearner

from .. import datasets


@pytest.fixture(scope="module")
def adult() -> dict[str, np.ndarray]:
    """Adult: train split 80/20 into train/validation, and the official test set."""
    X, y, X_test, y_test = datasets.adult()
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.2, random_state=0)
    return {"X": X_fit, "y": y_fit, "X_val": X_val, "y_val": y_val, "X_test": X_test, "y_test": y_test}


@pytest.fixture(scope="module")
def housing() -> tuple[np.ndarray, np.ndarray]:
    return datasets.housing()


@pytest.fixture(scope="module")
def binary_model(adult: dict[str, np.ndarray]) -> LinearLearner:
    started = time.perf_counter()
    model = LinearLearner("binary_classifier").fit(adult["X"], adult["y"], X_val=adult["X_val"], y_val=adult["y_val"])
    print(f"\nlinear learner, adult, {len(model.validation_scores_)} models: {time.perf_counter() - started:.2f} s")
    return model


# -- linear learner ---------------------------------------------------------------------------------


def test_binary_classifier_on_adult(binary_model: LinearLearner, adult: dict[str, np.ndarray]) -> None:
    prediction = binary_model.predict(adult["X_test"])
    assert np.mean(prediction["predicted_label"] == adult["y_test"]) >= 0.83
    assert roc_auc_score(adult["y_test"], prediction["score"]) >= 0.88
    assert ((prediction["score"] >= 0) & (prediction["score"] <= 1)).all()


def test_binary_classifier_keeps_the_best_of_many_models(binary_model: LinearLearner,
                                                         adult: dict[str, np.ndarray]) -> None:
    scores = binary_model.validation_scores_
    assert len(scores) == 32
    assert len(np.unique(binary_model.model_settings_["learning_rate"])) == 32
    assert binary_model.selection_criterion_ == "accuracy"
    assert binary_model.best_model_ == int(np.nanargmax(scores))
    assert np.nanmax(scores) > np.nanmin(scores)
    # The tuned threshold reproduces the chosen model's validation accuracy.
    labels = binary_model.predict(adult["X_val"])["predicted_label"]
    assert np.mean(labels == adult["y_val"]) == pytest.approx(scores[binary_model.best_model_], abs=1e-3)


def test_binary_classifier_save_load_round_trip(binary_model: LinearLearner, adult: dict[str, np.ndarray],
                                                tmp_path: Path) -> None:
    binary_model.save(tmp_path / "model")
    loaded = LinearLearner.load(tmp_path / "model")
    before, after = binary_model.predict(adult["X_test"]), loaded.predict(adult["X_test"])
    assert np.array_equal(before["predicted_label"], after["predicted_label"])
    assert np.array_equal(before["score"], after["score"])
    assert loaded.get_params() == binary_model.get_params()
    assert loaded.best_model_ == binary_model.best_model_


@pytest.mark.parametrize("criterion, check", [
    ("precision_at_target_recall", lambda precision, recall: recall >= 0.8),
    ("recall_at_target_precision", lambda precision, recall: precision >= 0.8),
    ("f_beta", lambda precision, recall: 2 * precision * recall / (precision + recall) > 0.65),
])
def test_binary_threshold_follows_the_selection_criterion(adult: dict[str, np.ndarray], criterion: str, check) -> None:
    model = LinearLearner("binary_classifier", num_models=8, epochs=4,
                          binary_classifier_model_selection_criteria=criterion)
    model.fit(adult["X"], adult["y"], X_val=adult["X_val"], y_val=adult["y_val"])
    labels = model.predict(adult["X_val"])["predicted_label"]
    positive = labels == 1
    precision = np.mean(adult["y_val"][positive])
    recall = np.mean(positive[adult["y_val"] == 1])
    assert check(precision, recall)
    assert model.best_model_ == int(np.nanargmax(model.validation_scores_))


def test_sparse_training_matches_dense(adult: dict[str, np.ndarray]) -> None:
    # With the features' mean shift switched on, sparse input trains the same model as dense input.
    params = {"num_models": 4, "epochs": 2, "unbias_data": True}
    X, y = adult["X"][:5000], adult["y"][:5000]
    dense = LinearLearner("binary_classifier", **params).fit(X, y)
    sparse = LinearLearner("binary_classifier", **params).fit(sp.csr_matrix(X), y)
    test = adult["X_test"][:2000]
    np.testing.assert_allclose(dense.predict(test)["score"], sparse.predict(sp.csr_matrix(test))["score"], atol=1e-9)


@pytest.mark.parametrize("params", [
    {"optimizer": "sgd"},
    {"optimizer": "rmsprop"},
    {"init_method": "normal", "use_lr_scheduler": False, "l1": 1e-4, "wd": 0.0},
    {"use_bias": False, "positive_example_weight_mult": "auto"},
    {"loss": "hinge_loss", "binary_classifier_model_selection_criteria": "cross_entropy_loss"},
])
def test_binary_classifier_options(adult: dict[str, np.ndarray], params: dict) -> None:
    model = LinearLearner("binary_classifier", num_models=8, epochs=5, **params).fit(adult["X"], adult["y"])
    assert np.mean(model.predict(adult["X_test"])["predicted_label"] == adult["y_test"]) >= 0.83


def test_diverged_models_are_never_chosen() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5)) * 10
    y = X @ np.arange(1.0, 6.0) + rng.normal(size=2000)
    params = {"optimizer": "sgd", "momentum": 0.0, "normalize_data": False, "num_models": 8, "epochs": 3,
              "mini_batch_size": 10}
    model = LinearLearner("regressor", learning_rate=0.01, **params).fit(X, y)
    assert np.isnan(model.validation_scores_).any()
    assert model.best_model_ == int(np.nanargmin(model.validation_scores_))
    np.testing.assert_allclose(model.coef_[:, 0], np.arange(1.0, 6.0), atol=0.05)
    with pytest.raises(ValueError, match=r"^learning_rate\b"):
        LinearLearner("regressor", learning_rate=1e3, **params).fit(X, y)


def test_regressor_on_california_housing(housing: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    X, y = housing
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = LinearLearner("regressor").fit(X_fit, y_fit)
    prediction = model.predict(X_test)
    assert set(prediction) == {"score"}
    assert r2_score(y_test, prediction["score"]) >= 0.6
    assert model.best_model_ == int(np.nanargmin(model.validation_scores_))
    metrics = model.evaluate(X_test, y_test)
    assert metrics["mse"] == pytest.approx(np.mean((prediction["score"] - y_test) ** 2))
    model.save(tmp_path / "model")
    assert np.array_equal(LinearLearner.load(tmp_path / "model").predict(X_test)["score"], prediction["score"])


@pytest.mark.parametrize("loss", ["absolute_loss", "huber_loss", "quantile_loss", "eps_insensitive_squared_loss",
                                  "eps_insensitive_absolute_loss"])
def test_regressor_losses(housing: tuple[np.ndarray, np.ndarray], loss: str) -> None:
    X, y = housing
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    model = LinearLearner("regressor", loss=loss, num_models=8, huber_delta=50_000.0, loss_insensitivity=1_000.0)
    assert r2_score(y_test, model.fit(X_fit, y_fit).predict(X_test)["score"]) >= 0.55


def test_quantile_loss_predicts_the_quantile(housing: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = housing
    model = LinearLearner("regressor", loss="quantile_loss", quantile=0.9, num_models=8).fit(X, y)
    assert np.mean(y <= model.predict(X)["score"]) == pytest.approx(0.9, abs=0.04)


@pytest.mark.parametrize("loss", ["softmax_loss", "logistic", "hinge_loss"])
def test_multiclass_classifier_on_digits(loss: str) -> None:
    X, y = load_digits(return_X_y=True)
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    X_fit, X_val, y_fit, y_val = train_test_split(X_fit, y_fit, test_size=0.25, random_state=0, stratify=y_fit)
    model = LinearLearner("multiclass_classifier", num_classes=10, loss=loss, mini_batch_size=100,
                          balance_multiclass_weights=True)
    model.fit(X_fit, y_fit, X_val=X_val, y_val=y_val)
    prediction = model.predict(X_test)
    assert np.mean(prediction["predicted_label"] == y_test) >= 0.9
    assert prediction["score"].shape == (len(y_test), 10)
    np.testing.assert_allclose(prediction["score"].sum(axis=1), 1.0)
    assert len(model.validation_scores_) == 32
    assert model.best_model_ == int(np.nanargmin(model.validation_scores_))
    metrics = model.evaluate(X_test, y_test)
    assert metrics["accuracy"] == pytest.approx(np.mean(prediction["predicted_label"] == y_test))
    assert metrics["top_k_accuracy"] >= metrics["accuracy"]


def test_linear_learner_is_deterministic_and_clonable() -> None:
    X, y = load_wine(return_X_y=True)
    model = LinearLearner("multiclass_classifier", num_classes=3, num_models=4, epochs=3, mini_batch_size=32, seed=7)
    first = model.fit(X, y).coef_.copy()
    again = clone(model).fit(X, y).coef_
    other = LinearLearner("multiclass_classifier", num_classes=3, num_models=4, epochs=3, mini_batch_size=32,
                          seed=8).fit(X, y).coef_
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


# -- k-means --------------------------------------------------------------------------------------


def test_kmeans_on_digits(tmp_path: Path) -> None:
    X, y = load_digits(return_X_y=True)
    model = KMeans(10, epochs=10, mini_batch_size=200, extra_center_factor=4, init_method="kmeans++",
                   eval_metrics=["msd", "ssd"]).fit(X)
    assert model.cluster_centers_.shape == (10, 64)
    prediction = model.predict(X)
    assert adjusted_rand_score(y, prediction["closest_cluster"]) >= 0.5
    assigned = model.cluster_centers_[prediction["closest_cluster"]]
    np.testing.assert_allclose(prediction["distance_to_cluster"], np.linalg.norm(X - assigned, axis=1))
    metrics = model.evaluate(X)
    assert metrics["ssd"] == pytest.approx(metrics["msd"] * len(X))
    assert metrics["msd"] == pytest.approx(np.mean(prediction["distance_to_cluster"] ** 2))

    model.save(tmp_path / "model")
    loaded = KMeans.load(tmp_path / "model")
    after = loaded.predict(X)
    assert np.array_equal(after["closest_cluster"], prediction["closest_cluster"])
    assert np.array_equal(after["distance_to_cluster"], prediction["distance_to_cluster"])
    assert loaded.evaluate(X) == metrics


def test_kmeans_sparse_input_and_determinism() -> None:
    X, _ = load_digits(return_X_y=True)
    params = {"epochs": 3, "mini_batch_size": 300, "half_life_time_size": 500}
    dense = KMeans(10, **params).fit(X).cluster_centers_
    np.testing.assert_allclose(KMeans(10, **params).fit(sp.csr_matrix(X)).cluster_centers_, dense, atol=1e-9)
    assert np.array_equal(KMeans(10, **params).fit(X).cluster_centers_, dense)
    assert KMeans(10, **params).fit(X).cluster_centers_.shape == (10, 64)  # auto factor trains 30, keeps 10


# -- PCA --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loader", [load_wine, load_digits])
def test_pca_regular_matches_scikit_learn(loader, tmp_path: Path) -> None:
    X, _ = loader(return_X_y=True)
    reference = ReferencePCA(5, svd_solver="full").fit(X)
    for data in (X, sp.csr_matrix(X)):
        model = PCA(5).fit(data)
        np.testing.assert_allclose(model.explained_variance_, reference.explained_variance_, rtol=0, atol=1e-6)
        np.testing.assert_allclose(model.explained_variance_ratio_, reference.explained_variance_ratio_, atol=1e-9)
        np.testing.assert_allclose(model.transform(X), reference.transform(X), atol=1e-6)
    model.save(tmp_path / "model")
    assert np.array_equal(PCA.load(tmp_path / "model").transform(X), model.transform(X))


@pytest.mark.parametrize("loader", [load_wine, load_digits])
def test_pca_randomized_is_close(loader) -> None:
    X, _ = loader(return_X_y=True)
    reference = ReferencePCA(5, svd_solver="full").fit(X)
    model = PCA(5, algorithm_mode="randomized").fit(X)
    np.testing.assert_allclose(model.explained_variance_, reference.explained_variance_, rtol=1e-4)
    np.testing.assert_allclose(np.abs(model.components_ @ reference.components_.T), np.eye(5), atol=1e-3)


def test_pca_without_mean_subtraction() -> None:
    X, _ = load_wine(return_X_y=True)
    model = PCA(2, subtract_mean=False).fit(X)
    assert not model.mean_.any()
    top_direction = np.linalg.svd(X, full_matrices=False)[2][0]
    assert abs(model.components_[0] @ top_direction) == pytest.approx(1.0)
    sparse = PCA(2, subtract_mean=False, algorithm_mode="randomized").fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.explained_variance_, model.explained_variance_, rtol=1e-6)


# -- parameter validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("make, name", [
    (lambda: LinearLearner("ranker"), "predictor_type"),
    (lambda: LinearLearner("multiclass_classifier"), "num_classes"),
    (lambda: LinearLearner("multiclass_classifier", num_classes=2), "num_classes"),
    (lambda: LinearLearner("regressor", loss="softmax_loss"), "loss"),
    (lambda: LinearLearner("binary_classifier", loss="squared_loss"), "loss"),
    (lambda: LinearLearner("binary_classifier", optimizer="adagrad"), "optimizer"),
    (lambda: LinearLearner("binary_classifier", learning_rate=-0.1), "learning_rate"),
    (lambda: LinearLearner("binary_classifier", learning_rate="fast"), "learning_rate"),
    (lambda: LinearLearner("binary_classifier", mini_batch_size=0), "mini_batch_size"),
    (lambda: LinearLearner("binary_classifier", epochs=2.5), "epochs"),
    (lambda: LinearLearner("binary_classifier", num_models=0), "num_models"),
    (lambda: LinearLearner("binary_classifier", beta_1=1.0), "beta_1"),
    (lambda: LinearLearner("binary_classifier", wd=-1.0), "wd"),
    (lambda: LinearLearner("binary_classifier", use_bias="yes"), "use_bias"),
    (lambda: LinearLearner("binary_classifier", normalize_data="yes"), "normalize_data"),
    (lambda: LinearLearner("binary_classifier", positive_example_weight_mult=0), "positive_example_weight_mult"),
    (lambda: LinearLearner("binary_classifier", binary_classifier_model_selection_criteria="auc"),
     "binary_classifier_model_selection_criteria"),
    (lambda: LinearLearner("binary_classifier", target_recall=1.5), "target_recall"),
    (lambda: LinearLearner("regressor", quantile=1.0), "quantile"),
    (lambda: LinearLearner("binary_classifier", init_method="zeros"), "init_method"),
    (lambda: LinearLearner("binary_classifier", lr_scheduler_factor=0.0), "lr_scheduler_factor"),
    (lambda: KMeans(0), "k"),
    (lambda: KMeans(3, init_method="forgy"), "init_method"),
    (lambda: KMeans(3, extra_center_factor=0), "extra_center_factor"),
    (lambda: KMeans(3, eval_metrics=["mse"]), "eval_metrics"),
    (lambda: KMeans(3, half_life_time_size=-1), "half_life_time_size"),
    (lambda: KMeans(3, local_lloyd_num_trials="many"), "local_lloyd_num_trials"),
    (lambda: PCA(0), "num_components"),
    (lambda: PCA(2, algorithm_mode="fast"), "algorithm_mode"),
    (lambda: PCA(2, extra_components=-2), "extra_components"),
    (lambda: PCA(2, subtract_mean="true"), "subtract_mean"),
])
def test_bad_parameters_raise_value_error_naming_them(make, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        make()


def test_bad_data_raises_value_error_naming_it() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"^y\b"):
        LinearLearner("binary_classifier").fit(X, np.arange(20) % 3)
    with pytest.raises(ValueError, match=r"^X_val\b"):
        LinearLearner("binary_classifier").fit(X, np.arange(20) % 2, X_val=X[:, :2], y_val=np.zeros(20))
    with pytest.raises(ValueError, match=r"^num_components\b"):
        PCA(4).fit(X)
    with pytest.raises(ValueError, match=r"^k\b"):
        KMeans(30).fit(X)
    with pytest.raises(ValueError, match=r"^X\b"):
        KMeans(2).fit(X).predict(X[:, :2])
