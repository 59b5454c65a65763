"""Trace timm's MambaOut in dense mode (stem, stages, a LayerNorm per stage output, NCHW maps) to TorchScript.

The traced model is what `densepred benchmark backbone --torchscript` runs through the same libtorch as ours; the
state_dict written beside it (`--weights`) gives both the same numbers. Needs torch and timm.

    python3 tools/python/mambaout_torchscript.py --sizes tiny,small --out traced/
"""
import argparse
import os

import timm
import torch


class Features(torch.nn.Module):
    """timm's stem and stages plus a LayerNorm per output (eps 1e-6, as the detection/segmentation configs add)."""

    def __init__(self, model):
        super().__init__()
        self.m = model
        self.outnorm = torch.nn.ModuleList(torch.nn.LayerNorm(f['num_chs'], eps=1e-6) for f in model.feature_info)

    def forward(self, x):
        x, outs = self.m.stem(x), []
        for stage, norm in zip(self.m.stages, self.outnorm):
            x = stage(x)
            outs.append(norm(x).permute(0, 3, 1, 2))
        return outs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', default='tiny', help='comma-separated: femto, kobe, tiny, small, base, or one of the _rw models (small_rw, base_plus_rw, ...)')
    parser.add_argument('--out', default='.', help='folder for mambaout_<size>_features.pt and mambaout_<size>_timm.pth')
    parser.add_argument('--pretrained', action='store_true', help="timm's hub weights instead of a seeded random init")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for size in args.sizes.split(','):
        torch.manual_seed(0)
        model = timm.create_model('mambaout_' + size, num_classes=0, pretrained=args.pretrained).eval()
        traced_file = os.path.join(args.out, f'mambaout_{size}_features.pt')
        with torch.no_grad():
            torch.jit.trace(Features(model).eval(), torch.randn(1, 3, 224, 224)).save(traced_file)
        weights_file = os.path.join(args.out, f'mambaout_{size}_timm.pth')
        torch.save(model.state_dict(), weights_file)
        print(f'{size}: {traced_file}, {weights_file}')


if __name__ == '__main__':
    main()
