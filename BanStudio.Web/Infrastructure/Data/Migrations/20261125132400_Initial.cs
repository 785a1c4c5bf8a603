using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BanStudio.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Experiments",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SpecJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    TotalSteps = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    Folder = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Experiments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Runs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ExperimentId = table.Column<int>(type: "INTEGER", nullable: false),
                    StepIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    Key = table.Column<string>(type: "TEXT", nullable: false),
                    IsEnsemble = table.Column<bool>(type: "INTEGER", nullable: false),
                    Column = table.Column<string>(type: "TEXT", nullable: false),
                    Seed = table.Column<long>(type: "INTEGER", nullable: false),
                    Generation = table.Column<int>(type: "INTEGER", nullable: false),
                    Model = table.Column<string>(type: "TEXT", nullable: false),
                    Objective = table.Column<string>(type: "TEXT", nullable: false),
                    TeacherKey = table.Column<string>(type: "TEXT", nullable: true),
                    Members = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    FinalTestError = table.Column<double>(type: "REAL", nullable: true),
                    BestTestError = table.Column<double>(type: "REAL", nullable: true),
                    BestEpoch = table.Column<int>(type: "INTEGER", nullable: true),
                    FinalTestLoss = table.Column<double>(type: "REAL", nullable: true),
                    FinalTestTop5Error = table.Column<double>(type: "REAL", nullable: true),
                    Parameters = table.Column<long>(type: "INTEGER", nullable: false),
                    Epochs = table.Column<int>(type: "INTEGER", nullable: false),
                    WallSeconds = table.Column<double>(type: "REAL", nullable: false),
                    TeacherFinalTestError = table.Column<double>(type: "REAL", nullable: true),
                    ImprovementOverTeacher = table.Column<double>(type: "REAL", nullable: true),
                    CheckpointPath = table.Column<string>(type: "TEXT", nullable: true),
                    Fingerprint = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Runs_Experiments_ExperimentId",
                        column: x => x.ExperimentId,
                        principalTable: "Experiments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "EpochMetrics",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RunId = table.Column<int>(type: "INTEGER", nullable: false),
                    Epoch = table.Column<int>(type: "INTEGER", nullable: false),
                    TrainLoss = table.Column<double>(type: "REAL", nullable: false),
                    TrainError = table.Column<double>(type: "REAL", nullable: false),
                    TestLoss = table.Column<double>(type: "REAL", nullable: false),
                    TestError = table.Column<double>(type: "REAL", nullable: false),
                    TestTop5Error = table.Column<double>(type: "REAL", nullable: true),
                    LearningRate = table.Column<double>(type: "REAL", nullable: false),
                    Seconds = table.Column<double>(type: "REAL", nullable: false),
                    ImagesPerSecond = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EpochMetrics", x => x.Id);
                    table.ForeignKey(
                        name: "FK_EpochMetrics_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_EpochMetrics_RunId_Epoch",
                table: "EpochMetrics",
                columns: new[] { "RunId", "Epoch" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Experiments_Status",
                table: "Experiments",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ExperimentId_Key",
                table: "Runs",
                columns: new[] { "ExperimentId", "Key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EpochMetrics");

            migrationBuilder.DropTable(
                name: "Runs");

            migrationBuilder.DropTable(
                name: "Experiments");
        }
    }
}
