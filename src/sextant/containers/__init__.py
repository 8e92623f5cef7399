"""What runs inside SageMaker jobs and model servers: the built-in algorithm images and script-mode framework images, speaking the SageMaker container contract."""
