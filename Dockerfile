FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN DJANGO_DEBUG=true DATABASE_URL=postgres://build@localhost/none HUB_CACHE_BACKEND=locmem \
    HUB_STATIC_MANIFEST=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "alliance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--max-requests", "2000", "--max-requests-jitter", "200"]
