"""Amazon Comprehend: one function per operation."""

from .detect import (batch_detect_dominant_language, batch_detect_entities, batch_detect_key_phrases,  # noqa: F401
                     batch_detect_sentiment, batch_detect_syntax, batch_detect_targeted_sentiment,
                     contains_pii_entities, detect_dominant_language, detect_entities, detect_key_phrases,
                     detect_pii_entities, detect_sentiment, detect_syntax, detect_targeted_sentiment,
                     detect_toxic_content)
from .custom import (classify_document, create_document_classifier, create_endpoint,  # noqa: F401
                     create_entity_recognizer, delete_document_classifier, delete_endpoint,
                     delete_entity_recognizer, describe_document_classifier, describe_endpoint,
                     describe_entity_recognizer, list_document_classifiers, list_endpoints,
                     list_document_classifier_summaries, list_entity_recognizer_summaries,
                     list_entity_recognizers, stop_training_document_classifier,
                     stop_training_entity_recognizer, update_endpoint)
from .jobs import (describe_document_classification_job, describe_dominant_language_detection_job,  # noqa: F401
                   describe_entities_detection_job, describe_key_phrases_detection_job,
                   describe_pii_entities_detection_job, describe_sentiment_detection_job,
                   describe_targeted_sentiment_detection_job, list_document_classification_jobs,
                   list_dominant_language_detection_jobs, list_entities_detection_jobs,
                   list_key_phrases_detection_jobs, list_pii_entities_detection_jobs, list_sentiment_detection_jobs,
                   list_targeted_sentiment_detection_jobs, on_startup, start_document_classification_job,
                   start_dominant_language_detection_job, start_entities_detection_job,
                   start_key_phrases_detection_job, start_pii_entities_detection_job, start_sentiment_detection_job,
                   start_targeted_sentiment_detection_job, stop_dominant_language_detection_job,
                   stop_entities_detection_job, stop_key_phrases_detection_job, stop_pii_entities_detection_job,
                   stop_sentiment_detection_job, stop_targeted_sentiment_detection_job)
