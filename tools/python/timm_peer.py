"""Time timm's MambaOut in dense mode, forward + backward, in float32 and under torch.autocast (float16 on a GPU):
the PyTorch peer of `densepred benchmark backbone --train [--fp16]` (same network, loss = sum of the maps' means,
stochastic depth off, gradients accumulating on the parameters).

    python3 tools/python/timm_peer.py --size tiny --resolution 800x1216 --batch 2 --json peer.json

Prints median / min milliseconds and peak memory per precision; on a GPU the peak is torch.cuda's
max_memory_allocated (and max_memory_reserved, what the caching allocator holds). Needs torch and timm.
"""
import argparse
import contextlib
import json
import statistics
import time

import timm
import torch

from mambaout_torchscript import Features


def run(model, images, precision, device, warmup, iterations):
    """Milliseconds of each timed pass and the peak memory (MiB) of the last one."""
    times = []
    for it in range(-warmup, iterations):
        if device.type == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.float16) if precision == 'fp16' else contextlib.nullcontext():
            loss = sum(m.float().mean() for m in model(images))
        loss.backward()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        if it >= 0:
            times.append((time.perf_counter() - start) * 1e3)
    peak = {}
    if device.type == 'cuda':
        peak = {'peak_allocated_mib': torch.cuda.max_memory_allocated() / 2**20,
                'peak_reserved_mib': torch.cuda.max_memory_reserved() / 2**20}
    return times, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', default='tiny')
    parser.add_argument('--resolution', default='800x1216', help='HxW')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--precisions', default='fp32,fp16', help='fp32 and/or fp16 (autocast)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args()
    h, w = (int(v) for v in args.resolution.lower().split('x'))
    device = torch.device(args.device)
    if 'fp16' in args.precisions.split(',') and device.type != 'cuda':
        parser.error('fp16 (autocast to float16) needs a CUDA device; use --precisions fp32 on a CPU')
    torch.manual_seed(0)
    model = Features(timm.create_model('mambaout_' + args.size, num_classes=0, drop_path_rate=0.0)).to(device).train()
    images = torch.randn(args.batch, 3, h, w, device=device)
    print(f'torch {torch.__version__}, timm {timm.__version__}, device {device}'
          + (f' ({torch.cuda.get_device_name(device)})' if device.type == 'cuda' else '')
          + f', mambaout_{args.size}, {args.batch}x{h}x{w}, forward + backward, {args.warmup} warm-up + {args.iterations} timed')
    results = []
    for precision in args.precisions.split(','):
        times, peak = run(model, images, precision, device, args.warmup, args.iterations)
        row = {'precision': precision, 'median_ms': statistics.median(times), 'min_ms': min(times), **peak}
        results.append(row)
        print(f"{precision}: {row['median_ms']:.1f} / {row['min_ms']:.1f} ms (median / min)"
              + ''.join(f', {k} {v:.0f}' for k, v in peak.items()))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'torch': torch.__version__, 'timm': timm.__version__, 'device': str(device), 'size': args.size,
                       'batch': args.batch, 'height': h, 'width': w, 'results': results}, f, indent=2)


if __name__ == '__main__':
    main()
