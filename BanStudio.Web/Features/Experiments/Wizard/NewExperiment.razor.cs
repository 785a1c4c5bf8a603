using BanStudio.Training;
using BanStudio.Training.Data;
using BanStudio.Training.Experiments;
using BanStudio.Training.Models;
using BanStudio.Web.Infrastructure;
using BanStudio.Web.Infrastructure.Data;
using BanStudio.Web.Infrastructure.Queue;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace BanStudio.Web.Features.Experiments.Wizard;

/// <summary>
/// The New experiment wizard: five steps that edit one <see cref="ExperimentSpec"/>, validated by
/// <see cref="ExperimentValidation"/> alone, launched through <see cref="ExperimentSubmitter"/> (the path
/// of POST /api/experiments), downloadable as and pre-filled from the JSON the CLI reads.
/// <para>
/// Stable <c>data-testid</c>s for browser tests. MudBlazor 9 puts them on the input element itself for text and
/// number fields (they commit once typing pauses, <see cref="WizardInputs.DebounceMs"/>), on the root of buttons,
/// chips and lists; a select opens by clicking its element. The spec's message for a field appears under its
/// input as <c>{id}-error</c> (e.g. <c>teacher-depth-error</c>) and is absent while the field is fine.
/// </para>
/// <list type="bullet">
/// <item>Page: <c>wizard-stepper</c>, <c>wizard-step-{dataset|teacher|students|schedule|review}</c> (the active step's content), <c>wizard-previous</c>, <c>wizard-next</c> (disabled while the step has errors),
/// <c>wizard-step-errors</c>, <c>wizard-upload</c> (holds the <c>input[type=file]</c>), <c>wizard-upload-errors</c>,
/// <c>wizard-launch</c>, <c>wizard-launch-errors</c>, <c>wizard-download</c> (an <c>a</c> with a data: href and a download name),
/// <c>wizard-templates</c> (the template menu), <c>wizard-template-{id}</c> (its items, id = the spec's file name without .json),
/// <c>wizard-template-note</c>.</item>
/// <item>Dataset: <c>dataset-list</c>, <c>dataset-{kind}</c> (kind as in JSON: builtin, cifar10, cifar100, fashion-mnist, mnist),
/// <c>dataset-{kind}-status</c>, <c>dataset-{kind}-location</c>, <c>dataset-trainSize</c>, <c>dataset-testSize</c>,
/// <c>dataset-seed</c>, <c>dataset-path</c>, <c>dataset-trainLimit</c>, <c>dataset-testLimit</c>, <c>dataset-limitMode</c>.</item>
/// <item>Models, with P = <c>teacher</c>, <c>student</c> or <c>student-teacher</c> (a BAN-ResNet's DenseNet): <c>P-family</c>,
/// <c>P-preset</c>, <c>P-parameters</c> (its <c>data-count</c> attribute is the exact count, empty while counting or invalid),
/// and one id per hyperparameter named as in JSON: <c>P-depth</c>, <c>P-growth</c>, <c>P-compression</c>, <c>P-bottleneck</c>,
/// <c>P-unitsPerBlock</c>, <c>P-compressFinalBlock</c>, <c>P-growthPerBlock</c>, <c>P-transitionCompression</c>,
/// <c>P-stemChannels</c>, <c>P-name</c>, <c>P-widen</c>, <c>P-dropRate</c>, <c>P-block</c>, <c>P-widthRatio</c>, <c>P-match-teacher</c>.</item>
/// <item>Students: <c>students-born-again</c>, <c>students-cross</c>, <c>students-generations</c>, <c>students-generationObjective</c>,
/// <c>students-temperature</c>, <c>students-treatment-{ban|ban-plus-l|cwtm|dkpp|baseline}</c>, <c>students-ensembles</c>,
/// <c>students-ensembleIncludesTeacher</c>, <c>students-sharedStart</c> (and <c>students-sharedStart-help</c>).</item>
/// <item>Schedule: <c>schedule-epochs</c>, <c>schedule-batchSize</c>, <c>schedule-learningRate</c>, <c>schedule-schedule</c>,
/// <c>schedule-milestones</c>, <c>schedule-gamma</c>, <c>schedule-momentum</c>, <c>schedule-nesterov</c>, <c>schedule-weightDecay</c>,
/// <c>schedule-device</c>, <c>schedule-seeds</c>.</item>
/// <item>Review: <c>review-name</c>, <c>review-errors</c>, <c>review-total</c>, <c>review-plan</c> (rows in plan order),
/// <c>review-plan-key</c> (each row's step key, e.g. seed-1/ban-2), <c>review-plan-seed</c> (its model seed; empty for an ensemble).</item>
/// </list>
/// </summary>
public partial class NewExperiment : IDisposable
{
    [Inject] public required IDbContextFactory<StudioDb> DbFactory { get; init; }
    [Inject] public required ExperimentQueue Queue { get; init; }
    [Inject] public required IOptions<StudioOptions> Options { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }
    [Inject] public required IServiceProvider Services { get; init; }

    public WizardModel Model { get; } = new(WizardModel.DefaultSpec);

    /// <summary><c>?from=N</c>: start from experiment N's spec (the live page's "Edit as new") instead of the defaults.</summary>
    [SupplyParameterFromQuery(Name = "from")] public int? From { get; set; }

    /// <summary><c>?template=demo-builtin</c>: start from a shipped spec (<see cref="SpecTemplates"/>).</summary>
    [SupplyParameterFromQuery(Name = "template")] public string? Template { get; set; }

    (int Id, string Name)? startedFrom;
    SpecTemplate? startedFromTemplate;
    string? fromProblem;

    MudStepper? stepper;
    int activeIndex;
    IReadOnlyList<DatasetEntry> datasets = [];
    IReadOnlyList<SpecError>? uploadErrors;
    IReadOnlyList<SpecError>? launchErrors;
    string uploadName = "";
    bool launching;

    /// <summary>The data's shape, which a parameter count depends on; the built-in data's until a known kind is chosen.</summary>
    DataShape Shape => DataShapes.Of(Model.Spec.Dataset);

    WizardStep ActiveStep => (WizardStep)Math.Clamp(activeIndex, 0, (int)WizardStep.Review);

    IReadOnlyList<SpecError> ActiveErrors => Model.ErrorsOf(ActiveStep);

    string StudentsSummary => $"{(Model.Spec.IsCrossArchitecture ? Model.Spec.StudentModel.DisplayName : "born-again")}, k = {Model.Spec.Generations}"
        + (Model.Spec.SharedStart ? ", shared start" : "");

    string ScheduleSummary => $"{Model.Spec.Schedule.Epochs} epoch{(Model.Spec.Schedule.Epochs == 1 ? "" : "s")}, {Model.Spec.Seeds.Length} seed{(Model.Spec.Seeds.Length == 1 ? "" : "s")}";

    protected override void OnInitialized()
    {
        // The catalog the validation uses (DatasetSpec.Validate's default), unless the host registered another.
        var catalog = Services.GetService(typeof(DatasetCatalog)) as DatasetCatalog ?? DatasetCatalog.Default;
        // Images first (built-in first), then the language models' corpora (built-in text first).
        datasets = [.. catalog.List(), .. Datasets.TextDatasetEntries.List(catalog)];
        Model.Changed += OnModelChanged;
    }

    protected override async Task OnInitializedAsync()
    {
        if (Template is { } name)
        {
            if (SpecTemplates.Find(name) is { } template) UseTemplate(template);
            else fromProblem = $"There is no template \"{name}\"; the wizard starts from its defaults. Templates: {string.Join(", ", SpecTemplates.All.Select(t => t.Id))}.";
        }
        if (From is not { } id) return;
        await using var db = await DbFactory.CreateDbContextAsync();
        var source = await db.Experiments.AsNoTracking().Where(e => e.Id == id).Select(e => new { e.Name, e.SpecJson }).FirstOrDefaultAsync();
        if (source is null)
        {
            fromProblem = $"There is no experiment #{id} (it may have been deleted); the wizard starts from its defaults.";
            return;
        }
        try
        {
            var spec = SpecJson.Parse<ExperimentSpec>(source.SpecJson, "stored spec");
            Model.Replace(spec with { Name = NameOfCopy(spec.Name) });
            (startedFrom, startedFromTemplate) = ((id, source.Name), null);
        }
        catch (SpecValidationException e)
        {
            fromProblem = $"Experiment #{id}'s spec could not be read ({string.Join("; ", e.Errors.Select(x => $"{x.Field}: {x.Message}"))}); the wizard starts from its defaults.";
        }
    }

    /// <summary>
    /// The name a copy gets: "name-2" for "name", "name-3" for "name-2" (a small trailing number counts on; a large one,
    /// like a year, is part of the name), within the 100 characters a name may have.
    /// </summary>
    public static string NameOfCopy(string name)
    {
        var numbered = System.Text.RegularExpressions.Regex.Match(name, "^(.*\\S)-([1-9][0-9]?)$");
        string stem = numbered.Success ? numbered.Groups[1].Value : name.TrimEnd();
        int next = numbered.Success ? int.Parse(numbered.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : 2;
        string suffix = $"-{next}";
        return (stem.Length + suffix.Length > 100 ? stem[..(100 - suffix.Length)] : stem) + suffix;
    }

    /// <summary>Fills every step from a shipped spec; what was designed before is replaced (the note says from what).</summary>
    void UseTemplate(SpecTemplate template)
    {
        (uploadErrors, startedFrom, fromProblem) = (null, null, null);
        startedFromTemplate = template;
        Model.Replace(template.Spec);
    }

    void OnModelChanged()
    {
        launchErrors = null;
        StateHasChanged();
    }

    bool HasErrors(WizardStep step) => Model.ErrorsOf(step).Count > 0;

    async Task NextAsync()
    {
        if (ActiveErrors.Count == 0 && stepper is not null) await stepper.NextStepAsync();
    }

    /// <summary>Going back is always allowed; going forward only past steps without errors.</summary>
    Task PreviewAsync(StepperInteractionEventArgs e)
    {
        int target = e.Action == StepAction.Complete ? activeIndex + 1 : e.StepIndex;
        if (e.Action is StepAction.Complete or StepAction.Activate && target > activeIndex
            && Enumerable.Range(0, target).Any(i => i < (int)WizardStep.Review && HasErrors((WizardStep)i)))
            e.Cancel = true;
        return Task.CompletedTask;
    }

    /// <summary>A teacher edit carries a BAN-ResNet student along when it was matched to the old teacher.</summary>
    void SetTeacher(ModelSpec teacher) => Model.Update(s => s with
    {
        Teacher = teacher,
        Student = s.Student is BanResNetSpec b && teacher is DenseNetSpec d && b.Teacher.SameArchitecture(s.Teacher) ? b with { Teacher = d } : s.Student,
    });

    /// <summary>A file that is not a spec (bad JSON, an unknown field or family) is refused whole; one that parses fills every step.</summary>
    async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null) return;
        uploadName = file.Name;
        string json;
        try
        {
            await using var stream = file.OpenReadStream(ExperimentsApi.MaxSpecBytes);
            using var reader = new StreamReader(stream);
            json = await reader.ReadToEndAsync();
        }
        catch (IOException)
        {
            uploadErrors = [new("$", $"the file is {file.Size:N0} bytes; a spec is at most {ExperimentsApi.MaxSpecBytes:N0}")];
            return;
        }
        try
        {
            var spec = SpecJson.Parse<ExperimentSpec>(json, "experiment spec");
            (uploadErrors, startedFrom, startedFromTemplate) = (null, null, null); // the notes named what is now replaced
            Model.Replace(spec);
        }
        catch (SpecValidationException e)
        {
            uploadErrors = e.Errors;
        }
    }

    async Task LaunchAsync()
    {
        if (!Model.IsValid || launching) return;
        launching = true;
        try
        {
            var submission = await new ExperimentSubmitter(DbFactory, Queue, Options, Clock).SubmitAsync(Model.Spec, CancellationToken.None);
            if (submission.Id is { } id)
            {
                Navigation.NavigateTo($"/experiments/{id}");
                return;
            }
            launchErrors = submission.Errors; // the data folder changed since the last check, say
        }
        finally { launching = false; }
    }

    public void Dispose() => Model.Changed -= OnModelChanged;
}
