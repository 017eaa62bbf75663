// Tests for RecastQuantization land here.
