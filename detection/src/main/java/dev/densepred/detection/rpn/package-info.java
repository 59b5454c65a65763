/** Region-proposal parts: {@link dev.densepred.detection.rpn.AnchorGenerator} (mmdetection's anchors and valid flags). */
package dev.densepred.detection.rpn;
