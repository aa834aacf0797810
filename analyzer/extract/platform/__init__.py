"""The platform of a microservice system, read from its own code and configuration.

``spring_cloud`` (annotations and build dependencies), ``spring_config`` (Spring Cloud and Micronaut
settings, called by :mod:`analyzer.extract.spring`), ``proxies`` (Apache, nginx, Envoy, Prometheus,
logstash), ``dotnet_gateways`` (Ocelot, YARP), ``ingress`` (Ingress, HTTPRoute, VirtualService),
``containers`` (compose log drivers, Traefik labels, mounted configuration, Dockerfiles) and ``images``
(the table of platform images the resolver consults). Each extractor is a pure function of one file
(plus the files it mounts, read inside the repository); :mod:`analyzer.resolve.platform` turns the facts
into ``platform`` nodes and typed edges.
"""
