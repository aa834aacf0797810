"""The platform of a microservice system read from its own code and configuration: Spring Cloud
annotations and build dependencies, reverse-proxy configuration (Apache, nginx), Prometheus scrape
configuration, and the images platform components run. Each module is a pure extractor of one file
(or, for :mod:`images`, a table the resolver consults)."""
