// Tests for RecastYAML land here.
