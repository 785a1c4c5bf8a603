using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Training.Objectives;
using BanStudio.Training.Training;

namespace BanStudio.Training.Experiments;

/// <summary>Every problem with an experiment spec, each naming its JSON field and the fix, before anything trains.</summary>
public static class ExperimentValidation
{
    public const int MaxGenerations = 10;
    public const int MaxSeeds = 20;

    /// <param name="dataRoots">Where the app and the CLI confine dataset paths (<see cref="DataRoots"/>); null for none (the library itself).
    /// A path outside them is reported without looking at it, so a request cannot probe the file system.</param>
    /// <param name="checkFiles">False reports the design's errors only, not whether the dataset's files are on this machine.</param>
    public static IReadOnlyList<SpecError> Validate(ExperimentSpec spec, IReadOnlyList<string>? dataRoots = null, bool checkFiles = true)
    {
        var errors = new List<SpecError>();
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Length > 100)
            errors.Add(new("name", "give the experiment a name of 1 to 100 characters"));
        if (spec.Dataset is null) errors.Add(new("dataset", "is required, e.g. {\"kind\": \"builtin\"}"));
        else if (dataRoots is not null && DataRoots.Check(spec.Dataset, dataRoots) is { } outside) errors.Add(outside);
        else errors.AddRange(spec.Dataset.Validate(dataRoots is null ? null : new DatasetCatalog(dataRoots, includeSystemFolders: false), checkFiles));
        if (spec.Teacher is null)
            errors.Add(new("teacher", "is required: every student learns from a teacher trained with labels, e.g. {\"family\": \"densenet\", \"depth\": 40, \"growth\": 12}"));
        else errors.AddRange(Sized("teacher", spec.Teacher, spec.Dataset));
        if (spec.Student is not null) errors.AddRange(Sized("student", spec.Student, spec.Dataset));
        if (spec.Generations is < 0 or > MaxGenerations)
            errors.Add(new("generations", $"must be between 0 and {MaxGenerations} (got {spec.Generations}); the paper trains up to 3"));
        if (spec.Treatments is null) errors.Add(new("treatments", "must be a list (possibly empty) of: ban, ban+l, cwtm, dkpp, baseline"));
        if (spec.Generations == 0 && (spec.Treatments?.Length ?? 0) == 0)
            errors.Add(new("generations", "with no generations and no treatments only the teacher would train; ask for at least 1 generation or a treatment"));
        if (!(spec.Temperature > 0 && spec.Temperature <= 100))
            errors.Add(new("temperature", $"must be positive and at most 100 (got {spec.Temperature}); the paper uses 1"));
        try
        {
            var kind = Objective.Parse(spec.EffectiveGenerationObjective);
            if (kind is not (ObjectiveKind.Ban or ObjectiveKind.BanPlusLabel))
                errors.Add(new("generationObjective", $"generations learn from their predecessor with \"ban\" or \"ban+l\", not \"{spec.GenerationObjective}\""));
            else if (spec.SharedStart && spec.Generations > 0
                     && spec.Treatments?.Contains(kind == ObjectiveKind.Ban ? Treatment.Ban : Treatment.BanPlusLabel) == true)
                errors.Add(new("sharedStart", $"with a shared start the \"{Objective.NameOf(kind)}\" treatment would train BAN-1 again (the same start, teacher and loss); " +
                    $"drop that treatment, or set \"sharedStart\": false to give it its own seed"));
        }
        catch (ArgumentException)
        {
            errors.Add(new("generationObjective", $"unknown objective \"{spec.GenerationObjective}\"; use \"ban\" (the paper's CNNs) or \"ban+l\" (its LSTMs)"));
        }
        if (spec.Schedule is null) errors.Add(new("schedule", "is required"));
        else errors.AddRange(spec.Schedule.Validate());
        if (spec.Seeds is null || spec.Seeds.Length == 0 || spec.Seeds.Length > MaxSeeds)
            errors.Add(new("seeds", $"give 1 to {MaxSeeds} seeds, e.g. [1, 2, 3]"));
        else if (spec.Seeds.Distinct().Count() != spec.Seeds.Length)
            errors.Add(new("seeds", "seeds must be distinct: two runs with the same seed give the same numbers"));
        else if (spec.Seeds.Any(s => s is < 0 or > 1_000_000_000))
            errors.Add(new("seeds", "each seed must be between 0 and 1000000000"));
        if (DeviceChoice.Check(spec.Device) is { } deviceError) errors.Add(new("device", deviceError));
        if (spec.Teacher is not null && spec.Student is not null && errors.Count == 0)
            errors.AddRange(CrossArchitectureErrors(spec.Teacher, spec.Student));
        errors.AddRange(LanguageModelErrors(spec));
        errors.AddRange(PrecisionErrors(spec));
        return errors;
    }

    /// <summary>Half modes are for the image models; float16 needs a GPU (the CPU has no fast half arithmetic).</summary>
    static IEnumerable<SpecError> PrecisionErrors(ExperimentSpec spec)
    {
        if (spec.Schedule is not { Precision: not Precision.Float32 } schedule) yield break;
        if (spec.Teacher is Language.LanguageModelSpec)
            yield return new("schedule.precision", "the language models train in float32 only; remove \"precision\" or set it to \"float32\"");
        // On the device the run would get ("auto" included); a device that does not resolve is reported under "device".
        if (schedule.Precision == Precision.Float16 && DeviceChoice.Check(spec.Device) is null
            && DeviceChoice.Resolve(spec.Device).type != TorchSharp.DeviceType.CUDA)
            yield return new("schedule.precision", $"\"float16\" needs a CUDA device (\"device\": \"{spec.Device}\" runs on the CPU here); on the CPU use \"bfloat16\", which processors with AVX512-BF16 run natively");
    }

    /// <summary>Language models train on a text corpus with the sequence trainer; image models on images. Never mixed.</summary>
    static IEnumerable<SpecError> LanguageModelErrors(ExperimentSpec spec)
    {
        if (spec.Teacher is null || spec.Dataset is null) yield break;
        bool language = spec.Teacher is Language.LanguageModelSpec;
        if (language && !spec.Dataset.IsText)
            yield return new("dataset.kind", $"{spec.Teacher.DisplayName} is a language model: use a text corpus, \"{Language.TextDatasets.Ptb}\" or \"{Language.TextDatasets.BuiltinText}\" (got \"{spec.Dataset.Kind}\")");
        if (!language && spec.Dataset.IsText)
            yield return new("dataset.kind", $"\"{spec.Dataset.Kind}\" is a text corpus, for the language-model families (lstm, cnnlstm); {spec.Teacher.DisplayName} needs images");
        if (spec.Student is not null && (spec.Student is Language.LanguageModelSpec) != language)
            yield return new("student", $"the teacher {spec.Teacher.DisplayName} and the student {spec.Student.DisplayName} must both be language models or both image models");
        // Each of the batch's streams needs a word and its successor; caught here, not after an epoch of training.
        if (language && spec.Schedule is { BatchSize: > 0 } lm)
        {
            if (spec.Dataset.TrainLimit is { } train && train < 2 * lm.BatchSize)
                yield return new("dataset.trainLimit", $"{train:N0} words cannot fill schedule.batchSize = {lm.BatchSize} streams of at least 2 words; give at least {2 * lm.BatchSize:N0} or a smaller batch");
            if (spec.Dataset.TestLimit is { } test && test < 2 * lm.BatchSize)
                yield return new("dataset.testLimit", $"{test:N0} validation/test words cannot fill schedule.batchSize = {lm.BatchSize} evaluation streams of at least 2 words; give at least {2 * lm.BatchSize:N0} or a smaller batch");
            else if (spec.Dataset.TestLimit is { } testWords && lm.TestBatchSize is { } testStreams && testWords < 2 * testStreams)
                yield return new("dataset.testLimit", $"{testWords:N0} test words cannot fill schedule.testBatchSize = {testStreams} streams of at least 2 words; give at least {2 * testStreams:N0} or a smaller schedule.testBatchSize");
        }
        if (!language && spec.Schedule is { } s)
        {
            if (s.Schedule == LearningRateSchedule.Plateau)
                yield return new("schedule.schedule", "\"plateau\" follows validation perplexity, which only language models have; use \"multi-step\" or \"cosine\"");
            if (s.ClipGradNorm is not null)
                yield return new("schedule.clipGradNorm", "gradient clipping is for the language models' sequence trainer; remove it for image models");
            if (s.TestBatchSize is not null)
                yield return new("schedule.testBatchSize", "the test batch size is for the language models' test perplexity (image models score the test set the same at any batch size); remove it for image models");
        }
    }

    static IEnumerable<SpecError> CrossArchitectureErrors(ModelSpec teacher, ModelSpec student)
    {
        if (student is BanResNetSpec banResNet && teacher is not DenseNetSpec)
            yield return new("student", $"{banResNet.DisplayName} is built to match a DenseNet teacher's stage shapes and share its conv1 and fc-output; the teacher is {teacher.DisplayName}. Use a DenseNet teacher, or a wide-resnet / preact-resnet student");
        else if (student is BanResNetSpec b && teacher is DenseNetSpec d && !b.Teacher.SameArchitecture(d))
            yield return new("student.teacher", $"{b.DisplayName} matches the stage shapes of {b.Teacher.DisplayName}, but the teacher is {d.DisplayName}; set student.teacher to the same DenseNet as the teacher");
    }

    /// <summary>The model's own checks, then (only when it is well-formed) the memory budget.</summary>
    static IEnumerable<SpecError> Sized(string field, ModelSpec model, DatasetSpec? dataset)
    {
        var own = Prefixed(field, model.Validate()).ToList();
        if (own.Count > 0) return own;
        var shape = dataset?.Info?.Shape ?? DatasetKinds.Info(DatasetKinds.Builtin).Shape;
        return ModelBudget.Check(field, model, shape);
    }

    static IEnumerable<SpecError> Prefixed(string prefix, IEnumerable<SpecError> errors) =>
        errors.Select(e => e with { Field = $"{prefix}.{e.Field}" });
}
