"""Amazon Translate: real-time and batch translation, custom terminology, parallel data (recorded)."""

from __future__ import annotations

from .batch import (describe_text_translation_job, list_text_translation_jobs, on_startup,
                    start_text_translation_job, stop_text_translation_job)
from .terminology import (create_parallel_data, delete_parallel_data, delete_terminology, get_parallel_data,
                          get_terminology, import_terminology, list_parallel_data, list_tags_for_resource,
                          list_terminologies, tag_resource, untag_resource, update_parallel_data)
from .text import list_languages, translate_document, translate_text

__all__ = ["create_parallel_data", "delete_parallel_data", "delete_terminology", "describe_text_translation_job",
           "get_parallel_data", "get_terminology", "import_terminology", "list_languages", "list_parallel_data",
           "list_tags_for_resource", "list_terminologies", "list_text_translation_jobs", "on_startup",
           "start_text_translation_job", "stop_text_translation_job", "tag_resource", "translate_document",
           "translate_text", "untag_resource", "update_parallel_data"]
