-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "baselineBrainMaskKey" TEXT,
ADD COLUMN     "baselineBrainMaskSha256" CHAR(64),
ADD COLUMN     "followupBrainMaskKey" TEXT,
ADD COLUMN     "followupBrainMaskSha256" CHAR(64);

