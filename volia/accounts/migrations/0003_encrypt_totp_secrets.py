from django.db import migrations, models

import volia.security.fields


def encrypt_existing(apps, schema_editor):
    # crypto is a library module, not app models: its format is versioned ("v1:") and stays readable
    from volia.security import crypto

    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.only("id", "secret"):
        if device.secret and not crypto.is_encrypted(device.secret):
            TOTPDevice.objects.filter(pk=device.pk).update(secret=crypto.encrypt(device.secret))


def decrypt_existing(apps, schema_editor):
    from volia.security import crypto

    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.only("id", "secret"):
        if crypto.is_encrypted(device.secret):
            TOTPDevice.objects.filter(pk=device.pk).update(secret=crypto.decrypt(device.secret))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_second_factor_and_login_throttle'),
    ]

    operations = [
        # plain text first (a token does not fit 64 characters), then encrypt, then the encrypted field
        migrations.AlterField(model_name='totpdevice', name='secret', field=models.TextField()),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name='totpdevice',
            name='secret',
            field=volia.security.fields.EncryptedTextField(help_text='base32 TOTP secret'),
        ),
    ]
