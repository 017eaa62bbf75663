// Tests for RecastTensor land here.
