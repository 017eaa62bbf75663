// Tests for RecastSchema land here.
