"""The torch-thread pin used while two stages share the cores."""

import pytest
import torch

from musegen.device import torch_threads


def test_threads_are_pinned_for_the_block_and_restored_even_on_error():
    old = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == old
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError("stage failed")
    assert torch.get_num_threads() == old
    with torch_threads(None):
        assert torch.get_num_threads() == old
