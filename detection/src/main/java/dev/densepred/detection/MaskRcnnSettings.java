package dev.densepred.detection;

import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.detection.fpn.Fpn;
import dev.densepred.detection.roi.FcnMaskHead;
import dev.densepred.detection.roi.MultiLevelRoiExtractor;
import dev.densepred.detection.roi.RoiAlign;
import dev.densepred.detection.roi.Shared2FcBoxHead;
import dev.densepred.detection.roi.StandardRoiHead;
import dev.densepred.detection.rpn.AnchorGenerator;
import dev.densepred.detection.rpn.RpnHead;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;

import java.util.List;
import java.util.Set;

/**
 * Every setting of a Mask R-CNN, bound from the config's {@code model} node with mmdetection's key names
 * ({@code configs/_base_/models/mask-rcnn_r50_fpn.py}): sections left out take Mask R-CNN's values, an unknown key
 * is an error listing the valid ones, and a section's {@code type}, when given, must name the implementation we
 * have (mmdetection's name, e.g. {@code "MaxIoUAssigner"}, or ours).
 *
 * @param backbone the raw {@code backbone} section, built by the backbone registry
 * @param neck FPN settings
 * @param rpnHead RPN head settings
 * @param roiHead RoI head settings
 * @param rpnTrain {@code train_cfg.rpn}
 * @param rpnProposal {@code train_cfg.rpn_proposal}
 * @param rcnnTrain {@code train_cfg.rcnn}
 * @param rpnTest {@code test_cfg.rpn}
 * @param rcnnTest {@code test_cfg.rcnn}
 */
public record MaskRcnnSettings(Config backbone, Fpn.Config neck, RpnHead.Config rpnHead, StandardRoiHead.Config roiHead,
                               RpnHead.TrainConfig rpnTrain, RpnHead.ProposalConfig rpnProposal, StandardRoiHead.TrainConfig rcnnTrain,
                               RpnHead.ProposalConfig rpnTest, StandardRoiHead.TestConfig rcnnTest) {

    /** Binds a {@code model} node ({@code "type": "MaskRCNN"}). */
    public static MaskRcnnSettings bind(Config model) {
        TypedConfig.checkType(model, "MaskRCNN", "MaskRcnn");
        Model raw = ConfigBinder.bind(model, Model.class, Set.of("type"));
        if (raw.backbone() == null) {
            throw new ConfigException(model.describe() + ": missing key '" + join(model, "backbone") + "'");
        }
        Fpn.Config neck = TypedConfig.bind(raw.neck(), Fpn.Config.class, Fpn.Config.defaults(), "FPN", "Fpn");

        RpnHead.Config rpnHead = RpnHead.Config.defaults();
        if (raw.rpnHead() != null) {
            TypedConfig.checkType(raw.rpnHead(), "RPNHead", "RpnHead");
            RpnHeadKeys k = ConfigBinder.bind(raw.rpnHead(), RpnHeadKeys.class, Set.of("type"));
            rpnHead = new RpnHead.Config(k.inChannels(), k.featChannels(),
                    TypedConfig.bind(k.anchorGenerator(), AnchorGenerator.Config.class, AnchorGenerator.Config.defaults(), "AnchorGenerator"),
                    coder(k.bboxCoder(), DeltaXywhCoder.Config.defaults()),
                    crossEntropy(k.lossCls(), true, false), l1(k.lossBbox()));
        }

        StandardRoiHead.Config roiHead = StandardRoiHead.Config.defaults();
        if (raw.roiHead() != null) {
            TypedConfig.checkType(raw.roiHead(), "StandardRoIHead", "StandardRoiHead");
            RoiHeadKeys k = ConfigBinder.bind(raw.roiHead(), RoiHeadKeys.class, Set.of("type"));
            StandardRoiHead.Config d = StandardRoiHead.Config.defaults();
            Shared2FcBoxHead.Config boxHead = d.bboxHead();
            if (k.bboxHead() != null) {
                TypedConfig.checkType(k.bboxHead(), "Shared2FCBBoxHead", "Shared2FcBoxHead");
                BoxHeadKeys b = ConfigBinder.bind(k.bboxHead(), BoxHeadKeys.class, Set.of("type"));
                if (b.regClassAgnostic()) {
                    throw new ConfigException(k.bboxHead().describe() + ": reg_class_agnostic=true is not supported (Mask R-CNN regresses per class)");
                }
                boxHead = new Shared2FcBoxHead.Config(b.inChannels(), b.fcOutChannels(), b.roiFeatSize(), b.numClasses(),
                        coder(b.bboxCoder(), d.bboxHead().bboxCoder()), crossEntropy(b.lossCls(), false, false), l1(b.lossBbox()));
            }
            FcnMaskHead.Config maskHead = null;
            MultiLevelRoiExtractor.Config maskExtractor = null;
            if (k.maskHead() != null) {
                TypedConfig.checkType(k.maskHead(), "FCNMaskHead", "FcnMaskHead");
                MaskHeadKeys mk = ConfigBinder.bind(k.maskHead(), MaskHeadKeys.class, Set.of("type"));
                if (mk.convKernelSize() != 3 || mk.classAgnostic()) {
                    throw new ConfigException(k.maskHead().describe() + ": only conv_kernel_size 3 and class_agnostic false are supported, found "
                            + mk.convKernelSize() + " and " + mk.classAgnostic());
                }
                maskHead = new FcnMaskHead.Config(mk.numConvs(), mk.inChannels(), mk.convOutChannels(), mk.numClasses(), mk.roiFeatSize(),
                        crossEntropy(mk.lossMask(), false, true));
                maskExtractor = extractor(k.maskRoiExtractor(), d.maskRoiExtractor());
            } else if (k.maskRoiExtractor() != null) {
                throw new ConfigException(k.maskRoiExtractor().describe() + ": a mask_roi_extractor needs a mask_head");
            }
            roiHead = new StandardRoiHead.Config(extractor(k.bboxRoiExtractor(), d.bboxRoiExtractor()), boxHead, maskExtractor, maskHead);
        }

        RpnHead.TrainConfig rpnTrain = RpnHead.TrainConfig.defaults();
        RpnHead.ProposalConfig rpnProposal = RpnHead.ProposalConfig.train();
        StandardRoiHead.TrainConfig rcnnTrain = StandardRoiHead.TrainConfig.defaults();
        if (raw.trainCfg() != null) {
            TrainKeys t = ConfigBinder.bind(raw.trainCfg(), TrainKeys.class);
            if (t.rpn() != null) {
                StageTrainKeys s = ConfigBinder.bind(t.rpn(), StageTrainKeys.class);
                rpnTrain = new RpnHead.TrainConfig(assigner(s.assigner(), rpnTrain.assigner()), sampler(s.sampler(), rpnTrain.sampler()),
                        s.allowedBorder(), s.posWeight());
                if (s.maskSize() != null) {
                    throw new ConfigException(t.rpn().describe() + ": mask_size belongs to train_cfg.rcnn");
                }
            }
            if (t.rpnProposal() != null) {
                rpnProposal = proposal(t.rpnProposal(), rpnProposal);
            }
            if (t.rcnn() != null) {
                StageTrainKeys s = ConfigBinder.bind(t.rcnn(), StageTrainKeys.class);
                rcnnTrain = new StandardRoiHead.TrainConfig(assigner(s.assigner(), rcnnTrain.assigner()),
                        sampler(s.sampler(), rcnnTrain.sampler()), s.maskSize() == null ? 28 : s.maskSize(), s.posWeight());
                if (s.allowedBorder() != -1) {
                    throw new ConfigException(t.rcnn().describe() + ": allowed_border belongs to train_cfg.rpn");
                }
            }
        }
        RpnHead.ProposalConfig rpnTest = RpnHead.ProposalConfig.test();
        StandardRoiHead.TestConfig rcnnTest = StandardRoiHead.TestConfig.defaults();
        if (raw.testCfg() != null) {
            TestKeys t = ConfigBinder.bind(raw.testCfg(), TestKeys.class);
            if (t.rpn() != null) {
                rpnTest = proposal(t.rpn(), rpnTest);
            }
            if (t.rcnn() != null) {
                RcnnTestKeys r = ConfigBinder.bind(t.rcnn(), RcnnTestKeys.class);
                rcnnTest = new StandardRoiHead.TestConfig(r.scoreThr(), nms(r.nms(), rcnnTest.nmsIouThreshold()), r.maxPerImg(), r.maskThrBinary());
            }
        }
        return new MaskRcnnSettings(raw.backbone(), neck, rpnHead, roiHead, rpnTrain, rpnProposal, rcnnTrain, rpnTest, rcnnTest);
    }

    private static String join(Config c, String key) {
        return c.path().isEmpty() ? key : c.path() + "." + key;
    }

    private static DeltaXywhCoder.Config coder(Config section, DeltaXywhCoder.Config defaults) {
        return TypedConfig.bind(section, DeltaXywhCoder.Config.class, defaults, "DeltaXYWHBBoxCoder", "DeltaXywhCoder");
    }

    private static MaxIouAssigner.Config assigner(Config section, MaxIouAssigner.Config defaults) {
        return TypedConfig.bind(section, MaxIouAssigner.Config.class, defaults, "MaxIoUAssigner", "MaxIouAssigner");
    }

    private static RandomSampler.Config sampler(Config section, RandomSampler.Config defaults) {
        return TypedConfig.bind(section, RandomSampler.Config.class, defaults, "RandomSampler");
    }

    private static double nms(Config section, double defaultThreshold) {
        return TypedConfig.bind(section, NmsKeys.class, new NmsKeys(defaultThreshold), "nms").iouThreshold();
    }

    private static RpnHead.ProposalConfig proposal(Config section, RpnHead.ProposalConfig defaults) {
        ProposalKeys p = ConfigBinder.bind(section, ProposalKeys.class);
        return new RpnHead.ProposalConfig(p.nmsPre() == null ? defaults.nmsPre() : p.nmsPre(),
                p.maxPerImg() == null ? defaults.maxPerImg() : p.maxPerImg(), nms(p.nms(), defaults.nmsIouThreshold()), p.minBboxSize());
    }

    private static MultiLevelRoiExtractor.Config extractor(Config section, MultiLevelRoiExtractor.Config defaults) {
        if (section == null) {
            return defaults;
        }
        TypedConfig.checkType(section, "SingleRoIExtractor", "MultiLevelRoiExtractor");
        ExtractorKeys e = ConfigBinder.bind(section, ExtractorKeys.class, Set.of("type"));
        RoiAlign.Config layer = TypedConfig.bind(e.roiLayer(), RoiAlign.Config.class, defaults.roiLayer(), "RoIAlign", "RoiAlign");
        return new MultiLevelRoiExtractor.Config(layer, e.outChannels(), e.featmapStrides(), e.finestScale());
    }

    /** The weight of a {@code CrossEntropyLoss} section, checking it is the variant this head computes. */
    private static double crossEntropy(Config section, boolean sigmoid, boolean mask) {
        if (section == null) {
            return 1.0;
        }
        CrossEntropyKeys k = TypedConfig.bind(section, CrossEntropyKeys.class, CrossEntropyKeys.defaults(), "CrossEntropyLoss");
        if (k.useSigmoid() != sigmoid || k.useMask() != mask) {
            throw new ConfigException(section.describe() + ": this head computes CrossEntropyLoss with use_sigmoid=" + sigmoid
                    + ", use_mask=" + mask + "; found " + k.useSigmoid() + ", " + k.useMask());
        }
        return k.lossWeight();
    }

    private static double l1(Config section) {
        return TypedConfig.bind(section, L1Keys.class, new L1Keys(1.0), "L1Loss").lossWeight();
    }

    // The JSON layouts; Config components are typed sections bound above, null when left out.

    private record Model(Config backbone, Config neck, Config rpnHead, Config roiHead, Config trainCfg, Config testCfg) {
        static Model defaults() {
            return new Model(null, null, null, null, null, null);
        }
    }

    private record RpnHeadKeys(int inChannels, int featChannels, Config anchorGenerator, Config bboxCoder, Config lossCls, Config lossBbox) {
        static RpnHeadKeys defaults() {
            return new RpnHeadKeys(256, 256, null, null, null, null);
        }
    }

    private record RoiHeadKeys(Config bboxRoiExtractor, Config bboxHead, Config maskRoiExtractor, Config maskHead) {
        static RoiHeadKeys defaults() {
            return new RoiHeadKeys(null, null, null, null);
        }
    }

    private record ExtractorKeys(Config roiLayer, int outChannels, List<Integer> featmapStrides, int finestScale) {
        static ExtractorKeys defaults() {
            return new ExtractorKeys(null, 256, List.of(4, 8, 16, 32), 56);
        }
    }

    private record BoxHeadKeys(int inChannels, int fcOutChannels, int roiFeatSize, int numClasses, Config bboxCoder,
                               boolean regClassAgnostic, Config lossCls, Config lossBbox) {
        static BoxHeadKeys defaults() {
            Shared2FcBoxHead.Config d = Shared2FcBoxHead.Config.defaults();
            return new BoxHeadKeys(d.inChannels(), d.fcOutChannels(), d.roiFeatSize(), d.numClasses(), null, false, null, null);
        }
    }

    private record MaskHeadKeys(int numConvs, int inChannels, int convOutChannels, int numClasses, int roiFeatSize, int convKernelSize,
                                boolean classAgnostic, Config lossMask) {
        static MaskHeadKeys defaults() {
            FcnMaskHead.Config d = FcnMaskHead.Config.defaults();
            return new MaskHeadKeys(d.numConvs(), d.inChannels(), d.convOutChannels(), d.numClasses(), d.roiFeatSize(), 3, false, null);
        }
    }

    private record CrossEntropyKeys(boolean useSigmoid, boolean useMask, double lossWeight) {
        static CrossEntropyKeys defaults() {
            return new CrossEntropyKeys(false, false, 1.0);
        }
    }

    private record L1Keys(double lossWeight) {
        static L1Keys defaults() {
            return new L1Keys(1.0);
        }
    }

    private record NmsKeys(double iouThreshold) {}

    private record TrainKeys(Config rpn, Config rpnProposal, Config rcnn) {
        static TrainKeys defaults() {
            return new TrainKeys(null, null, null);
        }
    }

    /** {@code train_cfg.rpn} and {@code train_cfg.rcnn} share mmdetection's keys ({@code debug} is accepted and unused). */
    private record StageTrainKeys(Config assigner, Config sampler, int allowedBorder, double posWeight, Integer maskSize, boolean debug) {
        static StageTrainKeys defaults() {
            return new StageTrainKeys(null, null, -1, -1, null, false);
        }
    }

    private record ProposalKeys(Integer nmsPre, Integer maxPerImg, Config nms, double minBboxSize) {
        static ProposalKeys defaults() {
            return new ProposalKeys(null, null, null, 0);
        }
    }

    private record TestKeys(Config rpn, Config rcnn) {
        static TestKeys defaults() {
            return new TestKeys(null, null);
        }
    }

    private record RcnnTestKeys(double scoreThr, Config nms, int maxPerImg, double maskThrBinary) {
        static RcnnTestKeys defaults() {
            StandardRoiHead.TestConfig d = StandardRoiHead.TestConfig.defaults();
            return new RcnnTestKeys(d.scoreThr(), null, d.maxPerImg(), d.maskThrBinary());
        }
    }
}
