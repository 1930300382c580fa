# One image for the API and the worker (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# The Export File needs a font with every European letter (reportlab's default lacks some)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# The locked dependencies first (every file checked against its hash): a layer that only a
# change of requirements/runtime.txt rebuilds. Then the project itself, without dependencies.
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY settings.py worker.py admin.py devstack.py telemetry.py replay.py alembic.ini ./
COPY api ./api
COPY workflows ./workflows
COPY activities ./activities
COPY store ./store
COPY sandboxes ./sandboxes
RUN pip install --no-cache-dir --no-deps . && useradd --system --create-home nt24
USER nt24
EXPOSE 8000
# No access log: a path may carry a credential (a self-service link); the API logs each request
# by its route instead
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
