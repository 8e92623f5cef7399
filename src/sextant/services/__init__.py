"""The AWS APIs: one package per service, one function per operation (dict in, dict out).

A handler is named after its operation in snake_case (`CreateBucket` → `create_bucket`) and
called as `handler(context, params)` with parameters already parsed and validated against
botocore's model; it returns the output members as a dict or raises `sextant.errors.ServiceError`.
"""
