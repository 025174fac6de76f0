from django.db import models

from abri.core.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from abri.core.models import BaseModel


class Secretive(BaseModel):
    label = models.CharField(max_length=50, blank=True)
    name = EncryptedTextField()
    birth_date = EncryptedDateField()
    details = EncryptedJSONField()
    name_index = models.CharField(max_length=64, blank=True, db_index=True)
