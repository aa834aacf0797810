# archconform in a container: `docker build -t archconform .` then
#   docker run --rm -v "$PWD:/repo" archconform scan /repo --sarif /repo/archconform.sarif
# The image runs as an unprivileged user and needs no network at scan time.
FROM python:3.11-slim

# git is needed only for --baseline-ref (the scanned revision is exported with git archive).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

COPY . /tmp/archconform
RUN python -m pip install --no-cache-dir --disable-pip-version-check /tmp/archconform \
    && rm -rf /tmp/archconform

RUN useradd --create-home --uid 10001 archconform \
    && git config --system --add safe.directory '*'
USER archconform
WORKDIR /repo
ENTRYPOINT ["archconform"]
CMD ["scan", "/repo"]
