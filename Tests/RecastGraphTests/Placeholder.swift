// Tests for RecastGraph land here.
