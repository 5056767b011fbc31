from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION releases_published_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'release % is published and cannot be changed or deleted', OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER releases_release_published_immutable
    BEFORE UPDATE OR DELETE ON releases_release
    FOR EACH ROW WHEN (OLD.state = 'published')
    EXECUTE FUNCTION releases_published_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS releases_release_published_immutable ON releases_release;
DROP FUNCTION IF EXISTS releases_published_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTION, REVERSE)]
