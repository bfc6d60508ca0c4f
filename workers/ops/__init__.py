"""The operator's view: Flower behind authentication, and Prometheus metrics sealq adds."""
