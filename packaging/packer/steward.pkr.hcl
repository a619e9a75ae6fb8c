# Bakes an AMI with one engine's database server and Steward, on Debian 12: instances launched from it take the
# book's JSON itself as their EC2 user data (steward.service runs with --imds) and need nothing else.
#
# NOT RUN in Steward's tests or CI: baking needs AWS credentials, a VPC and money, and Packer is not installed where
# the tests run. Check it with `packer init . && packer validate -var-file=... .` where Packer is.
#
#   packer init packaging/packer
#   packer build -var engine=postgresql -var steward_package=../target/steward_0.1.0_all.deb \
#                -var steward_config=../examples/config/postgresql.yml packaging/packer
#
# steward_config is the node's /etc/steward/steward.yml, CHANGE-ME replaced (the bootstrap refuses it otherwise); it
# stays in the image, readable by root and the group steward only, which keeps the secrets out of user data.
# MongoDB: also -var replica_set=NAME (mongod is baked into that set; launch user data must give the same "name").
# Elasticsearch: launch steward first, then the node (the first probe writes the heap size); see
# docs/elasticsearch.md for cluster formation.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.0"
    }
  }
}

variable "engine" {
  type        = string
  description = "postgresql, redis, mongodb or elasticsearch"
  validation {
    condition     = contains(["postgresql", "redis", "mongodb", "elasticsearch"], var.engine)
    error_message = "The engine must be postgresql, redis, mongodb or elasticsearch."
  }
}

variable "steward_package" {
  type        = string
  description = "the steward_<version>_all.deb to install, a local file"
}

variable "steward_config" {
  type        = string
  description = "the node's steward.yml (an engine's example from examples/config/, CHANGE-ME replaced)"
}

variable "replica_set" {
  type        = string
  default     = ""
  description = "MongoDB only: the replica set mongod is started in"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
  # an Elasticsearch node runs as the drop-in says; the others need none
  drop_ins = var.engine == "elasticsearch" ? "--drop-in elasticsearch" : ""
  replica_set_option = var.engine == "mongodb" ? "--replica-set ${var.replica_set}" : ""
}

source "amazon-ebs" "debian12" {
  region        = var.region
  instance_type = var.instance_type
  ami_name      = "steward-${var.engine}-${local.timestamp}"
  ssh_username  = "admin"
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"] # Debian's own account
    most_recent = true
  }
  # IMDSv2 only, as the agent asks for it
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
  imds_support = "v2.0"
  tags = {
    Name           = "steward-${var.engine}"
    "steward:role" = "image"
  }
}

build {
  sources = ["source.amazon-ebs.debian12"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/steward-bake"]
  }
  provisioner "file" {
    sources = [
      "${path.root}/../ec2/bootstrap.sh",
      "${path.root}/../ec2/install-database.sh",
      var.steward_package,
      var.steward_config,
    ]
    destination = "/tmp/steward-bake/"
  }
  provisioner "shell" {
    execute_command = "sudo sh -c '{{ .Vars }} {{ .Path }}'"
    inline = [
      "set -e",
      "if [ '${var.engine}' = mongodb ] && [ -z '${var.replica_set}' ]; then echo 'replica_set is required for mongodb' >&2; exit 1; fi",
      "bash /tmp/steward-bake/install-database.sh ${var.engine} ${local.replica_set_option}",
      "bash /tmp/steward-bake/bootstrap.sh --bake --imds ${local.drop_ins} --package /tmp/steward-bake/${basename(var.steward_package)} --config /tmp/steward-bake/${basename(var.steward_config)}",
      "rm -rf /tmp/steward-bake",
    ]
  }
}
